##@ npm packages (canarykit, generator-canarykit)

.PHONY: package
package: install ## Build the npm tarballs canarykit and generator-canarykit into dist/packages/ (tsc emit + npm pack).
	node scripts/package/build.ts

.PHONY: package-test
package-test: install ## Install the tarballs into an empty folder and run npx canarykit newApp/demo and yo canarykit (npm registry; as root, yo runs as user canarykit-yo).
	vitest run test/package

.PHONY: package-publish-dry-run
package-publish-dry-run: package ## npm publish --dry-run of both tarballs: what would be published, nothing is.
	@for t in dist/packages/canarykit-*.tgz dist/packages/generator-canarykit-*.tgz; do \
	  echo "npm publish --dry-run $$t"; npm publish --dry-run --loglevel=warn "$$t"; done
