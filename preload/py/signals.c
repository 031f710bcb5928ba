/*
 * signals.c - signals whose default action kills the process: flush the buffers (or dump
 * the flight recorder's ring) first, then let the signal do what it would have done.
 *
 * Nothing here is CPython's: it belongs with core's signal handling in preload/ (it is
 * here because install.c installs it once tracing starts) and can move there as is.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>

#include "preload/vt.h"

/* signals whose default action ends the process: flush (or dump the ring) first */
static const int g_sigs[] = { SIGTERM, SIGHUP, SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT };

/* a crash signal's handler from before vt (faulthandler under -X faulthandler), chained */
static struct sigaction g_prev[65];
static int g_has_prev[65];

static int is_crash(int sig)
{
	return sig != SIGTERM && sig != SIGHUP;
}

static void on_signal(int sig)
{
	int saved = errno;
	struct sigaction sa;
	sigset_t set;

	/* the flight recorder writes its window on a crash only with VT_DUMP_ON_ERROR=1 */
	vt_dump_in_signal = !is_crash(sig) || vt_cfg.dump_on_error;
	vt_flush_all(VT_END_SIGNAL, 1);
	vt_proc_exit(VT_EXIT_SIGNAL, sig);
	if (sig < 65 && g_has_prev[sig]) {
		/* the earlier handler runs next, as if vt were not there: the signal is blocked
		 * while this handler runs, so raising it now delivers it on return */
		sigaction(sig, &g_prev[sig], NULL);
		raise(sig);
		errno = saved;
		return;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	sigaction(sig, &sa, NULL);
	sigemptyset(&set);
	sigaddset(&set, sig);
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);
	raise(sig);
	errno = saved;
}

void vt_signals_install(void)
{
	for (size_t i = 0; i < sizeof(g_sigs) / sizeof(g_sigs[0]); i++) {
		struct sigaction old, sa;

		int sig = g_sigs[i];

		if (sigaction(sig, NULL, &old) < 0 || old.sa_handler == SIG_IGN)
			continue;
		if (old.sa_handler != SIG_DFL || (old.sa_flags & SA_SIGINFO)) {
			/* the program's own SIGTERM or SIGHUP handler: leave it alone. A crash
			 * handler (faulthandler): flush first, then hand the crash to it */
			if (!is_crash(sig))
				continue;
			g_prev[sig] = old;
			g_has_prev[sig] = 1;
		}
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = on_signal;
		sigfillset(&sa.sa_mask);
		sa.sa_flags = SA_RESTART;
		sigaction(sig, &sa, NULL);
	}
}

