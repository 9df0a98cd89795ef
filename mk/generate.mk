##@ Generator (canarykit newApp)

.PHONY: generate
generate: install ## Regenerate the golden apps/greeter-server and apps/greeter-client from generators/app.
	node generators/app/golden.ts generate   # refuses to overwrite uncommitted edits in apps/ unless FORCE=1

.PHONY: check-generated
check-generated: install ## Fail if apps/ differ from a fresh generation (edit generators/app/templates, then make generate).
	node generators/app/golden.ts check

.PHONY: generator-locks
generator-locks: install ## Re-resolve the lockfiles generated projects ship (after editing generators/app/dependency-versions.json).
	node generators/app/locks.ts
