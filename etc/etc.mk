# etc/: systemd units, sysusers/tmpfiles snippets, logrotate.
systemdunitdir = $(prefix)/lib/systemd/system
systemdunit_DATA = etc/systemd/shoal-pulse.service etc/systemd/shoal-web.service
CLEANFILES += $(systemdunit_DATA)
EXTRA_DIST += etc/systemd/shoal-pulse.service.in etc/systemd/shoal-web.service.in \
	etc/shoal.sysusers etc/shoal.tmpfiles etc/shoal.logrotate

sysusersdir = $(prefix)/lib/sysusers.d
dist_sysusers_DATA =
tmpfilesdir = $(prefix)/lib/tmpfiles.d
install-data-local: install-etc-snippets
uninstall-local: uninstall-etc-snippets
install-etc-snippets:
	$(MKDIR_P) $(DESTDIR)$(sysusersdir) $(DESTDIR)$(tmpfilesdir) $(DESTDIR)$(sysconfdir)/logrotate.d
	$(INSTALL_DATA) $(srcdir)/etc/shoal.sysusers $(DESTDIR)$(sysusersdir)/shoal.conf
	$(INSTALL_DATA) $(srcdir)/etc/shoal.tmpfiles $(DESTDIR)$(tmpfilesdir)/shoal.conf
	$(INSTALL_DATA) $(srcdir)/etc/shoal.logrotate $(DESTDIR)$(sysconfdir)/logrotate.d/shoal
uninstall-etc-snippets:
	rm -f $(DESTDIR)$(sysusersdir)/shoal.conf $(DESTDIR)$(tmpfilesdir)/shoal.conf \
		$(DESTDIR)$(sysconfdir)/logrotate.d/shoal

etc/systemd/%.service: $(srcdir)/etc/systemd/%.service.in Makefile
	$(AM_V_GEN)$(MKDIR_P) etc/systemd && $(do_subst) $< > $@.tmp && mv $@.tmp $@

# A commented, working example configuration: /etc/shoal/lvs.cf.sample.
shoalconfdir = $(sysconfdir)/shoal
dist_shoalconf_DATA = etc/lvs.cf.sample

# The demo (scripts/demo), the packaging and the operations tests.
EXTRA_DIST += etc/demo/lvs.cf \
	debian/changelog debian/control debian/copyright debian/rules \
	debian/postinst debian/postrm debian/source/format \
	debian/shoal.lintian-overrides \
	packaging/shoal.spec \
	tests/integration/demo.sh tests/integration/package_deb.sh \
	tests/integration/package_rpm.sh tests/integration/man_pages.sh
TESTS += tests/integration/man_pages.sh tests/integration/demo.sh \
	tests/integration/package_deb.sh tests/integration/package_rpm.sh
