# src/shoalctl: the administrator's CLI.  Other areas add their command
# files to shoalctl_SOURCES here (and their table in shoalctl.c).
sbin_PROGRAMS += shoalctl
shoalctl_SOURCES = \
	src/shoalctl/shoalctl.c src/shoalctl/shoalctl.h \
	src/shoalctl/cmd_config.c \
	src/shoalctl/cmd_passwd.c \
	src/shoalctl/cmd_staged.c src/shoalctl/cmd_staged.h \
	src/shoalctl/cmd_pulse.c
shoalctl_CFLAGS = $(AM_CFLAGS) -I$(top_srcdir)/src/shoalctl \
	-I$(top_srcdir)/src/pulse $(JANSSON_CFLAGS)
shoalctl_LDADD = src/pulse/libpulse.a $(SHOAL_LIBS)

# shoalctl(8), with the configured paths filled in
man_MANS += doc/shoalctl.8
CLEANFILES += doc/shoalctl.8

TESTS += tests/integration/shoalctl_cli.sh
EXTRA_DIST += tests/integration/shoalctl_cli.sh bench/config/run.sh
