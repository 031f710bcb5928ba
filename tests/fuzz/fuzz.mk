# tests/fuzz/fuzz.mk - fuzz targets, included by the top Makefile (needs its O, CC, HEADERS).
#
#   make fuzz              build each target with clang -fsanitize=fuzzer,address,undefined
#                          and run it for FUZZ_SECONDS (default 600) on tests/fuzz/corpus/
#   make fuzz-replay       replay the saved corpus with $(CC) (ASan+UBSan): part of make test
#   make fuzz-merge        minimise what fuzzing found into tests/fuzz/corpus/ (-merge=1)
#   make fuzz FUZZ_TARGETS=reader FUZZ_SECONDS=60 FUZZ_JOBS=1
#
# New inputs go to $(O)/fuzz/corpus-TARGET (the committed corpus is read, not written),
# crashes to $(O)/fuzz/TARGET-crash-*.

FUZZ_TARGETS ?= reader decoder roundtrip
FUZZ_SECONDS ?= 600
FUZZ_CC      ?= clang
FUZZ_SAN     ?= address,undefined
# the replay build: the same sanitizers with the ordinary compiler ('' for none)
REPLAY_SAN   ?= address,undefined
FUZZ_FLAGS    = -std=gnu11 -D_GNU_SOURCE -DVT_FORMAT_DECODER -iquote . -g -O1 \
                -fno-omit-frame-pointer -Wall -Wextra
FUZZ_LIBS     = -lmsgpackc -llz4 -lz -lm
FUZZ_DEPS     = tests/fuzz/fuzz.h tests/unit/tracegen.h $(HEADERS)
# the code each target exercises
# (the reader with the converter's modules it uses, as the unit tests link it)
FUZZ_SRC_reader    = $(filter-out tools/vt-convert.c tools/html.c tools/sink-html.c tools/sources.c,$(TOOLS_SRC)) $(TOOLS_COMMON_SRC)
FUZZ_SRC_decoder   = $(COMMON_SRC) common/format-dec.c
FUZZ_SRC_roundtrip = $(COMMON_SRC) common/format-dec.c
REPLAY_SANFLAGS = $(if $(REPLAY_SAN),-fsanitize=$(REPLAY_SAN) -fno-sanitize-recover=all)

$(O)/fuzz/fuzz-%: tests/fuzz/fuzz-%.c $(FUZZ_DEPS) $(FUZZ_SRC_reader)
	@mkdir -p $(dir $@)
	@echo "  FUZZCC  $@"
	$(Q)$(FUZZ_CC) $(FUZZ_FLAGS) -fsanitize=fuzzer,$(FUZZ_SAN) -fno-sanitize-recover=all \
		-o $@ $< $(FUZZ_SRC_$*) $(FUZZ_LIBS)

$(O)/fuzz/replay-%: tests/fuzz/fuzz-%.c tests/fuzz/replay.c $(FUZZ_DEPS) $(FUZZ_SRC_reader)
	@mkdir -p $(dir $@)
	@echo "  CC      $@"
	$(Q)$(CC) $(FUZZ_FLAGS) $(REPLAY_SANFLAGS) -o $@ $< tests/fuzz/replay.c \
		$(FUZZ_SRC_$*) $(FUZZ_LIBS)

fuzz-build: $(FUZZ_TARGETS:%=$(O)/fuzz/fuzz-%)

fuzz-replay: $(FUZZ_TARGETS:%=$(O)/fuzz/replay-%)
	O=$(O) tests/fuzz/replay.sh $(FUZZ_TARGETS)

# one target after the other (the machine may be shared); FUZZ_JOBS=2 runs two at once
FUZZ_JOBS ?= 1
fuzz: fuzz-build
	@printf '%s\n' $(FUZZ_TARGETS) | xargs -P $(FUZZ_JOBS) -I{} sh -c '\
	  mkdir -p $(O)/fuzz/corpus-{} && \
	  $(O)/fuzz/fuzz-{} -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
	    -artifact_prefix=$(O)/fuzz/{}- $(O)/fuzz/corpus-{} tests/fuzz/corpus/{} \
	    > $(O)/fuzz/{}.log 2>&1; rc=$$?; \
	  echo "fuzz-{}: exit $$rc; $$(grep -E "^#[0-9]+.*(DONE|pulse)" $(O)/fuzz/{}.log | tail -1)"; \
	  grep -E "^stat::number_of_executed_units" $(O)/fuzz/{}.log; exit $$rc'

# repro-* (inputs that found a bug) and data-* (tests/data files) are kept whatever their
# coverage
fuzz-merge: fuzz-build
	@for t in $(FUZZ_TARGETS); do \
	  rm -rf tests/fuzz/corpus/$$t.new && mkdir -p tests/fuzz/corpus/$$t.new && \
	  $(O)/fuzz/fuzz-$$t -merge=1 tests/fuzz/corpus/$$t.new tests/fuzz/corpus/$$t \
	    $(O)/fuzz/corpus-$$t 2>&1 | tail -1 && \
	  for f in tests/fuzz/corpus/$$t/repro-* tests/fuzz/corpus/$$t/data-*; do \
	    [ -e "$$f" ] && cp "$$f" tests/fuzz/corpus/$$t.new/; done; \
	  rm -rf tests/fuzz/corpus/$$t && mv tests/fuzz/corpus/$$t.new tests/fuzz/corpus/$$t; \
	done; cat tests/fuzz/corpus/*/* | wc -c | sed 's/$$/ bytes in the corpus (keep it under 2 MB)/'

.PHONY: fuzz fuzz-build fuzz-replay fuzz-merge
