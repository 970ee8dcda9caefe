# Read after the project's Makefile (debian/rules, dh_auto_test): builds
# and runs its unit tests, UNIT_BIN, and nothing else.
.PHONY: unit-tests
unit-tests: $(UNIT_BIN)
	@failed=0; for t in $(UNIT_BIN); do \
	  if $$t; then echo "$${t##*/}: passed"; \
	  else echo "$${t##*/}: FAILED"; failed=$$((failed + 1)); fi; \
	done; \
	echo "unit tests: $(words $(UNIT_BIN)) run, $$failed failed"; \
	[ $$failed -eq 0 ]
