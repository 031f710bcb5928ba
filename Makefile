# vt - a timeline tracer for CPython.  `make help` lists the targets.

PREFIX   ?= /usr/local
DESTDIR  ?=
O        ?= build
CC       ?= cc
PKG_CONFIG ?= pkg-config

ifeq ($(V),1)
Q :=
else
Q := @
endif

OPT := -O2 -g
ifeq ($(DEBUG),1)
OPT := -O0 -g3 -Werror
endif
ifneq ($(SAN),)
OPT += -fsanitize=$(SAN) -fno-omit-frame-pointer
SAN_LDFLAGS := -fsanitize=$(SAN)
endif

VT_CFLAGS  = -std=gnu11 -D_GNU_SOURCE -Wall -Wextra -Wshadow -Wformat=2 -Wvla \
             -Wmissing-prototypes -Wstrict-prototypes -iquote . $(OPT) $(CFLAGS)
LIB_CFLAGS = $(VT_CFLAGS) -fPIC -fvisibility=hidden
# lz4 is linked statically and its symbols hidden, so a process that loads its own lz4
# (the python 'lz4' wheel, say) cannot bind to ours or we to theirs. Bound lazily (no
# -z now): every process under LD_PRELOAD loads the library, and one that is not Python
# calls a few of its ~100 imports; binding them all at load cost 65 000 instructions of
# the loader's time in each `/bin/true`.
LIB_LDFLAGS = -shared -Wl,--no-undefined -Wl,-z,noexecstack \
              -Wl,--exclude-libs,ALL -Wl,--version-script=preload/exports.map \
              -Wl,-Bstatic -llz4 -l:libffi_pic.a -Wl,-Bdynamic -ldl -pthread $(LDFLAGS)
TOOL_LIBS  = -lmsgpackc -llz4 -lz -lm -pthread $(SAN_LDFLAGS) $(LDFLAGS)

# preload/py/: everything that knows CPython (see its README.md)
PY_SRC      = $(wildcard preload/py/*.c)
PRELOAD_SRC = preload/init.c preload/interpose.c preload/thread.c \
              preload/intern.c preload/proc.c preload/ring.c preload/clock.c preload/log.c \
              preload/native.c preload/path.c preload/state.c preload/file.c preload/writer.c $(PY_SRC)
# common/: the format codec, built into libvt.so (the encoder, PIC) and vt-convert (and
# the decoder: format-dec.c)
COMMON_SRC  = common/format.c
PRELOAD_OBJ = $(PRELOAD_SRC:%.c=$(O)/%.o) $(COMMON_SRC:%.c=$(O)/%.o)
PY_OBJ      = $(PY_SRC:%.c=$(O)/%.o)
NOP_OBJ     = $(filter-out $(PY_OBJ),$(PRELOAD_OBJ)) $(PY_SRC:%.c=$(O)/%-nop.o)
CLOCK2_OBJ  = $(filter-out $(PY_OBJ),$(PRELOAD_OBJ)) $(PY_SRC:%.c=$(O)/%-clock2.o)
# the tools' own: allocation that succeeds or exits (never in libvt.so)
TOOLS_COMMON_SRC = $(COMMON_SRC) common/format-dec.c common/xalloc.c
COMMON_TOOL_OBJ = $(TOOLS_COMMON_SRC:common/%.c=$(O)/tools/common-%.o)
TOOLS_SRC   = tools/vt-convert.c tools/convert.c tools/tracedir.c tools/reader.c \
              tools/timeline.c tools/filter.c tools/tree.c tools/counters.c tools/stats.c \
              tools/sink.c tools/sink-json.c tools/sink-html.c tools/sink-summary.c \
              tools/sink-folded.c tools/sink-speedscope.c tools/sources.c tools/html.c tools/json.c tools/util.c
TOOLS_OBJ   = $(TOOLS_SRC:%.c=$(O)/%.o) $(COMMON_TOOL_OBJ) $(O)/tools/viewer-assets.o
VIEWER_SRC  = viewer/index.html viewer/viewer.css $(wildcard viewer/js/*.js)
UNIT_SRC    = $(wildcard tests/unit/test-*.c)
HEADERS     = $(wildcard common/*.h preload/*.h preload/py/*.h tools/*.h)

all: $(O)/libvt.so $(O)/libvt-nop.so $(O)/libvt-clock2.so $(O)/vt-convert

# Rebuild everything when the flags change (a sanitizer build must not mix with a plain one).
$(O)/.flags: FORCE
	@mkdir -p $(O)
	@echo '$(VT_CFLAGS) $(LIB_LDFLAGS) $(TOOL_LIBS)' | cmp -s - $@ || echo '$(VT_CFLAGS) $(LIB_LDFLAGS) $(TOOL_LIBS)' > $@

$(O)/preload/%.o: preload/%.c $(HEADERS) $(O)/.flags
	@mkdir -p $(dir $@)
	@echo "  CC      $@"
	$(Q)$(CC) $(LIB_CFLAGS) -c $< -o $@

$(O)/common/%.o: common/%.c $(HEADERS) $(O)/.flags
	@mkdir -p $(dir $@)
	@echo "  CC      $@"
	$(Q)$(CC) $(LIB_CFLAGS) -c $< -o $@

# source.c builds python/vt/__init__.py in (.incbin)
$(O)/preload/py/source.o $(O)/preload/py/source-nop.o $(O)/preload/py/source-clock2.o: python/vt/__init__.py

# the variants for `make bench`: every file of preload/py/ built with the switch
$(O)/preload/py/%-nop.o: preload/py/%.c $(HEADERS) $(O)/.flags
	@mkdir -p $(dir $@)
	@echo "  CC      $@"
	$(Q)$(CC) $(LIB_CFLAGS) -DVT_NOP -c $< -o $@

$(O)/preload/py/%-clock2.o: preload/py/%.c $(HEADERS) $(O)/.flags
	@mkdir -p $(dir $@)
	@echo "  CC      $@"
	$(Q)$(CC) $(LIB_CFLAGS) -DVT_CLOCK_TWICE -c $< -o $@

$(O)/libvt.so: $(PRELOAD_OBJ) preload/exports.map
	@echo "  LINK    $@"
	$(Q)$(CC) $(OPT) -o $@ $(PRELOAD_OBJ) $(LIB_LDFLAGS)

# the floor for `make bench`: the same hooks installed, recording compiled out
$(O)/libvt-nop.so: $(NOP_OBJ) preload/exports.map
	@echo "  LINK    $@"
	$(Q)$(CC) $(OPT) -o $@ $(NOP_OBJ) $(LIB_LDFLAGS)

# also for `make bench`: every clock read done twice (what the clock costs in place)
$(O)/libvt-clock2.so: $(CLOCK2_OBJ) preload/exports.map
	@echo "  LINK    $@"
	$(Q)$(CC) $(OPT) -o $@ $(CLOCK2_OBJ) $(LIB_LDFLAGS)

# and the unit of its cost per call: one clock read, back to back
$(O)/clock-cost: scripts/clock-cost.c $(O)/.flags
	@echo "  CC      $@"
	$(Q)$(CC) $(OPT) -Wall -Wextra -o $@ $<

$(O)/tools/%.o: tools/%.c $(HEADERS) $(O)/.flags
	@mkdir -p $(dir $@)
	@echo "  CC      $@"
	$(Q)$(CC) $(VT_CFLAGS) -DVT_FORMAT_DECODER -c $< -o $@

$(O)/tools/common-%.o: common/%.c $(HEADERS) $(O)/.flags
	@mkdir -p $(dir $@)
	@echo "  CC      $@"
	$(Q)$(CC) $(VT_CFLAGS) -DVT_FORMAT_DECODER -c $< -o $@

# the viewer is compiled into vt-convert: mkviewer inlines its CSS and JS into C strings
# (index.html names the style and the scripts, in order: viewer/README.md)
$(O)/mkviewer: viewer/mkviewer.c $(O)/.flags
	@mkdir -p $(dir $@)
	@echo "  CC      $@"
	$(Q)$(CC) $(VT_CFLAGS) -o $@ $<

$(O)/tools/viewer-assets.c: $(O)/mkviewer $(VIEWER_SRC)
	@mkdir -p $(dir $@)
	@echo "  GEN     $@"
	$(Q)$(O)/mkviewer viewer/index.html > $@.tmp && mv $@.tmp $@

$(O)/tools/viewer-assets.o: $(O)/tools/viewer-assets.c
	@echo "  CC      $@"
	$(Q)$(CC) $(VT_CFLAGS) -c $< -o $@

$(O)/vt-convert: $(TOOLS_OBJ)
	@echo "  LINK    $@"
	$(Q)$(CC) $(OPT) -o $@ $(TOOLS_OBJ) $(TOOL_LIBS)

# unit tests: the codec and the converter's modules, linked with Criterion
$(O)/unit-tests: $(UNIT_SRC) tests/unit/tracegen.h tests/unit/sinkrec.h $(filter-out $(O)/tools/vt-convert.o $(O)/tools/html.o $(O)/tools/sink-html.o $(O)/tools/sources.o $(O)/tools/viewer-assets.o,$(TOOLS_OBJ)) $(O)/tools/unit-intern.o $(O)/tools/unit-path.o
	@echo "  LINK    $@"
	$(Q)$(CC) $(VT_CFLAGS) -DVT_FORMAT_DECODER -o $@ $(filter %.c %.o,$^) -lcriterion $(TOOL_LIBS)

$(O)/tools/unit-intern.o: preload/intern.c $(HEADERS) $(O)/.flags
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(VT_CFLAGS) -c $< -o $@

$(O)/tools/unit-path.o: preload/path.c $(HEADERS) $(O)/.flags
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(VT_CFLAGS) -c $< -o $@

deps:
	@scripts/install-deps.sh

test-deps:
	@scripts/install-deps.sh --test

unittest: all $(O)/unit-tests
	$(O)/unit-tests

e2e: all
	tests/e2e/run.sh

proctest: all
	tests/proc/run.sh

converttest: all
	tests/convert/run.sh

controltest: all
	tests/control/run.sh

attachtest: all
	tests/attach/run.sh

richtest: all
	tests/rich/run.sh

# real programs unchanged under vt: an http.server service under load, Pygments
realtest: all
	O=$(O) tests/real/run.sh

# native calls through VT_NATIVE: file I/O, zlib and a C extension built here
nativetest: all
	O=$(O) tests/native/run.sh

exports: all
	tests/check-exports.sh $(O)/libvt.so

# the converter under ASan and UBSan, for the fault suites
$(O)/asan/vt-convert: FORCE
	$(MAKE) O=$(O)/asan SAN=address,undefined $(O)/asan/vt-convert

# the unit tests (the codec, reader, JSON writer and intern table) under ASan and UBSan
unittest-san:
	$(MAKE) O=$(O)/asan SAN=address,undefined $(O)/asan/unit-tests
	$(O)/asan/unit-tests

# the converter's threads under TSan, damaged input (plain and sanitized converter),
# faults in traced programs (one suite per interpreter), stress: through the runner
faulttest: all $(O)/asan/vt-convert $(O)/tsan/vt-convert
	tests/run-all.sh convert-tsan bad-input stress cpython-tests faults

$(O)/tsan/vt-convert: FORCE
	$(MAKE) O=$(O)/tsan SAN=thread $(O)/tsan/vt-convert

$(O)/asan/libvt.so: FORCE
	$(MAKE) O=$(O)/asan SAN=address,undefined $(O)/asan/libvt.so

$(O)/tsan/libvt.so: FORCE
	$(MAKE) O=$(O)/tsan SAN=thread $(O)/tsan/libvt.so

# libvt.so under TSan, preloaded after its runtime into the free-threaded 3.13t
# (scripts/python-ft.sh) with the GIL off: 16 threads calling shared functions, vt.flush()
# beside running threads; any ThreadSanitizer report fails (tests/faults/ft-stress.sh)
FT_TSAN_SECONDS ?= 10
ft-tsan: all $(O)/tsan/libvt.so
	VT_LIB=$(O)/tsan/libvt.so VT_PRELOAD_EXTRA="$$($(CC) -print-file-name=libtsan.so)" \
		VT_STRESS_SECONDS=$(FT_TSAN_SECONDS) tests/faults/ft-stress.sh

# libvt.so itself under ASan+UBSan, preloaded after their runtimes into real interpreters
# (3.8, 3.12, Debian's): the stress cases, the rich-data suite (hostile reprs, exceptions,
# the vt module) and the profiler cases (tests/run-all.sh names the commands)
preload-san: all $(O)/asan/vt-convert $(O)/asan/libvt.so
	tests/run-all.sh san-

# a long run (SOAK_SECONDS, default 600) of steady calls under vt on SOAK_PYTHON: no
# deadlock, RSS flat, the trace growing on disk, every call converted
SOAK_SECONDS ?= 600
SOAK_PYTHON  ?= /usr/bin/python3
soak: all
	O=$(O) VT_STRESS_SECONDS=$(SOAK_SECONDS) VT_PYTHONS=$(SOAK_PYTHON) VT_CONVERT_SAN=none \
		tests/faults/stress.sh long

viewer-deps:
	@scripts/install-viewer-deps.sh

# the viewer in headless Chromium (Debian's package) driven by playwright-core
test-viewer: all viewer-deps
	O=$(O) node tests/viewer/run.mjs
	O=$(O) node tests/viewer/speedscope.mjs

bench-viewer: all viewer-deps
	O=$(O) node tests/viewer/bench.mjs

include tests/fuzz/fuzz.mk

# everything the suites run, built before any of them starts (they run side by side);
# one make for each build directory, so that -j never builds one object twice at once
test-build:
	$(MAKE) all $(O)/unit-tests $(FUZZ_TARGETS:%=$(O)/fuzz/replay-%)
	$(MAKE) O=$(O)/asan SAN=address,undefined $(O)/asan/vt-convert $(O)/asan/libvt.so \
		$(O)/asan/unit-tests
	$(MAKE) O=$(O)/tsan SAN=thread $(O)/tsan/vt-convert

# `make test`: install what is missing, build, run every suite (TEST_JOBS at a time, by
# default one per CPU) even after one fails, and end with one table
test: test-deps viewer-deps
	$(MAKE) test-build
	@scripts/sid-rootfs.sh make || echo "make test: the suites skip the sid interpreters"
	tests/run-all.sh

demo: deps
	$(MAKE) all
	scripts/demo.sh

bench: all $(O)/clock-cost
	scripts/bench.sh
	scripts/bench-native.sh
	scripts/bench-startup.sh
	scripts/bench-attach.sh
	scripts/bench-ft.sh

bench-breakdown: all $(O)/clock-cost
	O=$(O) scripts/bench-breakdown.sh

install: all
	install -d $(DESTDIR)$(PREFIX)/lib $(DESTDIR)$(PREFIX)/bin
	install -m 0644 $(O)/libvt.so $(DESTDIR)$(PREFIX)/lib/libvt.so
	install -m 0755 $(O)/vt-convert $(DESTDIR)$(PREFIX)/bin/vt-convert
	install -m 0755 tools/vt $(DESTDIR)$(PREFIX)/bin/vt
	install -d $(DESTDIR)$(PREFIX)/share/vt/python/vt
	install -m 0644 python/vt/__init__.py $(DESTDIR)$(PREFIX)/share/vt/python/vt/__init__.py
	install -m 0644 tools/vt-attach.sh $(DESTDIR)$(PREFIX)/share/vt/vt-attach.sh

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/lib/libvt.so $(DESTDIR)$(PREFIX)/bin/vt-convert \
	      $(DESTDIR)$(PREFIX)/bin/vt $(DESTDIR)$(PREFIX)/share/vt/vt-attach.sh

clean:
	rm -rf $(O)

help:
	@echo 'Targets:'
	@echo '  all        build $(O)/libvt.so, $(O)/vt-convert and the bench builds $(O)/libvt-nop.so, $(O)/libvt-clock2.so (default)'
	@echo '  demo       install missing packages, build, trace and convert an example'
	@echo '  test       install missing packages, build, run every suite (TEST_JOBS at once), print a table'
	@echo '  unittest   Criterion unit tests      e2e     end-to-end tests on real pythons'
	@echo '  proctest   process trees             converttest  vt-convert on hand-made traces'
	@echo '  controltest  windows, flight recorder, size cap, process selection'
	@echo '  attachtest   vt attach/detach on running CPython 3.14+ (sid root), and its refusals'
	@echo '  richtest   arguments, return values, filters, the vt module, exceptions, gc'
	@echo '  nativetest native calls (VT_NATIVE): file I/O, zlib, a C extension'
	@echo '  realtest   real programs unchanged: an http.server service under load, Pygments'
	@echo '  faulttest  damaged input (also under ASan), faults in traced programs, stress'
	@echo '  preload-san  libvt.so under ASan+UBSan in real interpreters (stress, rich data, profilers)'
	@echo '  ft-tsan      libvt.so under TSan in the free-threaded 3.13t, GIL off (16-thread stress)'
	@echo '  soak       SOAK_SECONDS (600) of steady calls: flat RSS, a growing trace'
	@echo '  fuzz       libFuzzer targets, FUZZ_SECONDS each (clang)   fuzz-replay  the saved corpus'
	@echo '  test-viewer  the viewer in headless Chromium   bench-viewer  its load and redraw times'
	@echo '  bench      overhead against plain runs, cProfile and the no-op floor'
	@echo '  bench-breakdown  where a recorded call costs: builds with one step removed'
	@echo '  install    install into $$(DESTDIR)$$(PREFIX) (PREFIX=$(PREFIX))'
	@echo '  clean      remove $(O)/'
	@echo 'Switches: V=1 (show commands)  DEBUG=1 (-O0 -Werror)  SAN=address,undefined  O=dir'

FORCE:
.PHONY: all test-build deps test-deps unittest unittest-san e2e proctest converttest controltest attachtest richtest realtest nativetest faulttest preload-san ft-tsan soak exports viewer-deps test-viewer bench-viewer test demo bench bench-breakdown install uninstall clean help FORCE

