# src/shoalctl: the administrator's CLI.  Other areas add their command
# files to shoalctl_SOURCES here (and their table in shoalctl.c).
sbin_PROGRAMS += shoalctl
shoalctl_SOURCES = \
	src/shoalctl/shoalctl.c src/shoalctl/shoalctl.h \
	src/shoalctl/cmd_config.c \
	src/shoalctl/cmd_passwd.c \
	src/shoalctl/cmd_staged.c src/shoalctl/cmd_staged.h
shoalctl_CFLAGS = $(AM_CFLAGS) -I$(top_srcdir)/src/shoalctl
shoalctl_LDADD = $(SHOAL_LIBS)

# shoalctl(8), with the configured paths filled in
man_MANS += doc/shoalctl.8
CLEANFILES += doc/shoalctl.8
doc/shoalctl.8: $(top_srcdir)/doc/shoalctl.8.in Makefile
	$(AM_V_GEN)$(MKDIR_P) doc && sed \
		-e 's|@localstatedir[@]|$(localstatedir)|g' \
		-e 's|@VERSION[@]|$(VERSION)|g' \
		$(top_srcdir)/doc/shoalctl.8.in > $@

TESTS += tests/integration/shoalctl_cli.sh
EXTRA_DIST += tests/integration/shoalctl_cli.sh bench/config/run.sh
