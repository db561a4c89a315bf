/* SPDX-License-Identifier: MIT */
/*
 * The live terminal UI: one loop in which the keyboard timeout is the tick
 * (as in htop's ScreenManager).  Each pass drains the event source into the
 * model until the next frame is due, draws a frame at a fixed rate (never
 * per event), then waits for a key until the next frame or the next drain.
 * Memory is bounded by the model's caps whatever the event rate.
 *
 * The terminal is always given back: on quit, on SIGINT/SIGTERM/SIGHUP/
 * SIGQUIT (which end the loop), and on a crash (the handler writes the saved
 * "leave alternate screen" and "show cursor" strings and restores the saved
 * termios, all async-signal-safe, then dies of the same signal).
 */
#include <curses.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <term.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "clock_ns.h"
#include "metrics.h"
#include "reports.h"
#include "ui_model.h"
#include "ui_view.h"

#define FRAME_NS 100000000ULL     /* 10 frames a second */
#define LIVE_TICK_MS 20           /* drain a live ring at least this often */
#define CHECK_CLOCK_EVERY 256     /* events between clock reads while draining */
#define DEFAULT_STALL_ALERT_NS 10000000ULL
#define REPAINT_FRAMES 20         /* live: every 2 s, resend the whole screen */

static volatile sig_atomic_t quit_signal;

/* What the crash handler writes to give the terminal back (filled before it is armed). */
static char restore_seq[128];
static size_t restore_len;
static struct termios saved_tio;
static int saved_tio_ok, tty_fd = -1;

static const int quit_sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };
static const int crash_sigs[] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT };
#define NQUIT (sizeof(quit_sigs) / sizeof(quit_sigs[0]))
#define NCRASH (sizeof(crash_sigs) / sizeof(crash_sigs[0]))

static void on_quit_signal(int sig)
{
	quit_signal = sig;
}

static void on_crash_signal(int sig)
{
	if (restore_len && write(tty_fd, restore_seq, restore_len) < 0) {
		/* nothing more can be done from a signal handler */
	}
	if (saved_tio_ok)
		tcsetattr(tty_fd, TCSANOW, &saved_tio);
	signal(sig, SIG_DFL);
	raise(sig);
}

struct saved_sigs {
	struct sigaction quit[NQUIT], crash[NCRASH];
};

static void install_signals(struct saved_sigs *s)
{
	struct sigaction sa;
	size_t i;

	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	/* No SA_RESTART: the keyboard wait returns at once and the loop sees the flag. */
	sa.sa_handler = on_quit_signal;
	for (i = 0; i < NQUIT; i++)
		sigaction(quit_sigs[i], &sa, &s->quit[i]);
	sa.sa_handler = on_crash_signal;
	sa.sa_flags = SA_RESETHAND;
	for (i = 0; i < NCRASH; i++)
		sigaction(crash_sigs[i], &sa, &s->crash[i]);
}

static void restore_signals(const struct saved_sigs *s)
{
	size_t i;

	for (i = 0; i < NQUIT; i++)
		sigaction(quit_sigs[i], &s->quit[i], NULL);
	for (i = 0; i < NCRASH; i++)
		sigaction(crash_sigs[i], &s->crash[i], NULL);
}

static void save_restore_seq(void)
{
	static const char *const caps[] = { "sgr0", "rmcup", "cnorm" };
	size_t i;

	restore_len = 0;
	for (i = 0; i < sizeof(caps) / sizeof(caps[0]); i++) {
		const char *s = tigetstr((char *)caps[i]);
		size_t n;

		if (!s || s == (char *)-1)
			continue;
		n = strlen(s);
		if (restore_len + n >= sizeof(restore_seq))
			break;
		memcpy(restore_seq + restore_len, s, n);
		restore_len += n;
	}
}

enum src_state { SRC_OPEN, SRC_ENDED, SRC_ERROR };

/*
 * Drains the source into the model until `deadline`.  Returns 1 when it
 * stopped at the deadline with more to read, 0 when the source had nothing
 * (or ended).  While paused the log is not appended to, so what the user is
 * reading stays put; counting goes on so a live ring does not overflow.
 */
static int pump(struct ut_evsrc *src, struct ut_ui_model *m, struct ut_ui_view *v, struct ut_event *ev,
		uint64_t deadline, enum src_state *state, struct ut_metrics *metrics)
{
	unsigned n = 0;

	for (;;) {
		int r = ut_evsrc_next(src, ev, UT_EVENT_MAX, 0);

		if (r == 1) {
			ut_metrics_observe(metrics, ev);
			ut_ui_model_ingest(m, ev, !v->paused);
			if (++n % CHECK_CLOCK_EVERY == 0 && ut_mono_ns() >= deadline)
				return 1;
			continue;
		}
		ut_metrics_set_source(metrics, ut_evsrc_count(src), ut_evsrc_lost(src));
		if (r == -1)
			*state = SRC_ENDED;
		else if (r < 0)
			*state = SRC_ERROR;
		return 0;
	}
}

static void frame(struct ut_ui_view *v, const struct ut_ui_model *m)
{
	ut_ui_draw(v, m);
	refresh();
}

static FILE *open_input(void)
{
	int fd;

	if (isatty(STDIN_FILENO))
		return stdin;
	/* The traced program may own stdin: read keys from the controlling terminal. */
	fd = open("/dev/tty", O_RDONLY | O_CLOEXEC);
	return fd < 0 ? NULL : fdopen(fd, "r");
}

int ut_tui_run(struct ut_evsrc *src, const struct ut_tui_opts *o)
{
	struct ut_ui_model m;
	struct ut_ui_view v;
	struct saved_sigs sigs;
	struct ut_event *ev = NULL;
	SCREEN *scr = NULL;
	FILE *in = NULL;
	enum src_state state = SRC_OPEN;
	uint64_t next_frame, rate_t, rate_n = 0, frames = 0;
	const char *nc = getenv("NO_COLOR");
	int rc = 0;

	if (!isatty(STDOUT_FILENO)) {
		fprintf(stderr, "unixtrace: the terminal UI needs a terminal on stdout (use --text or --json)\n");
		return 1;
	}
	if (ut_ui_model_init(&m, o->stall_alert_ns ? o->stall_alert_ns : DEFAULT_STALL_ALERT_NS)) {
		fprintf(stderr, "unixtrace: terminal UI: out of memory\n");
		return 1;
	}
	m.kinds_passed = ut_evsrc_filter_kinds(src);
	if (ut_ui_view_init(&v) || !(ev = malloc(UT_EVENT_MAX))) {
		fprintf(stderr, "unixtrace: terminal UI: out of memory\n");
		rc = 1;
		goto out_model;
	}
	in = open_input();
	if (!in) {
		fprintf(stderr, "unixtrace: the terminal UI needs a terminal to read keys from: %s\n",
			strerror(errno));
		rc = 1;
		goto out_model;
	}
	tty_fd = STDOUT_FILENO;
	saved_tio_ok = tcgetattr(tty_fd, &saved_tio) == 0;
	scr = newterm(NULL, stdout, in);
	if (!scr) {
		const char *term = getenv("TERM");

		fprintf(stderr, "unixtrace: cannot start the terminal UI on terminal type '%s' "
			"(use --text or set TERM)\n", term ? term : "");
		rc = 1;
		goto out_model;
	}
	set_term(scr);
	save_restore_seq();
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	curs_set(0);
	set_escdelay(25);
	ut_ui_colors(&v, !o->no_color && !(nc && nc[0]));
	v.live = ut_evsrc_is_live(src);
	v.by_cgroup = o->by_cgroup;
	ut_ui_view_apply(&v, &m);
	quit_signal = 0;
	install_signals(&sigs);

	next_frame = ut_mono_ns() + FRAME_NS;
	rate_t = ut_mono_ns();
	for (;;) {
		int busy = 0, work = 0, ch, wait_ms;
		uint64_t now;

		if (quit_signal) {
			rc = 128 + quit_signal;
			break;
		}
		/* A saved trace waits while paused; a live ring is always drained. */
		if (state == SRC_OPEN && (v.live || !v.paused))
			busy = pump(src, &m, &v, ev, next_frame, &state, o->metrics);
		v.ended = state != SRC_OPEN;
		v.read_error = state == SRC_ERROR;
		now = ut_mono_ns();
		if (now >= next_frame) {
			if (now - rate_t >= 1000000000ULL) {
				v.rate = (m.conn.events - rate_n) * 1000000000ULL / (now - rate_t);
				rate_n = m.conn.events;
				rate_t = now;
			}
			/*
			 * A traced program may write to this terminal too: now and then
			 * resend every line (no clear, so no flicker) to wipe what it wrote.
			 */
			if (v.live && frames % REPAINT_FRAMES == REPAINT_FRAMES - 1)
				redrawwin(stdscr);
			frame(&v, &m);
			frames++;
			if (o->iterations > 0 && frames >= (uint64_t)o->iterations)
				break;
			next_frame += FRAME_NS;
			if (next_frame <= now)
				next_frame = now + FRAME_NS;
		}
		/* The keyboard timeout is the tick: until the next frame, or the next drain of a live ring. */
		now = ut_mono_ns();
		wait_ms = busy ? 0 : next_frame > now ? (int)((next_frame - now + 999999) / 1000000) : 0;
		if (!busy && state == SRC_OPEN && v.live && wait_ms > LIVE_TICK_MS)
			wait_ms = LIVE_TICK_MS;
		timeout(wait_ms);
		while ((ch = getch()) != ERR) {
			work |= ut_ui_key(&v, &m, ch);
			if (work & UT_UI_QUIT)
				break;
			timeout(0);
		}
		if (work & UT_UI_QUIT)
			break;
		if (work & UT_UI_MATCH)
			ut_ui_view_apply(&v, &m);
		if (work & UT_UI_CLEAR)
			clearok(curscr, TRUE);
		if (work & UT_UI_REDRAW)
			frame(&v, &m);
	}

	restore_signals(&sigs);
	endwin();
	delscreen(scr);
	restore_len = 0;
	if (state == SRC_ERROR) {
		/* The source's own message went to the curses screen, which is gone now. */
		fprintf(stderr, "unixtrace: the trace could not be read to the end; "
			"`unixtrace view --text FILE` shows where\n");
		if (!rc)
			rc = 1;
	}
out_model:
	if (in && in != stdin)
		fclose(in);
	ut_ui_view_free(&v);
	ut_ui_model_free(&m);
	free(ev);
	return rc;
}
