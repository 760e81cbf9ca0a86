# Sourced by .ci/run: installs Debian's chromium, which the live-page test of
# the webhook command (cmd/webhook/internal/browsertest) drives headless. That
# test fails when CI is set and chromium is missing.
if ! command -v chromium >/dev/null 2>&1; then
	echo "installing chromium for the live-page browser test"
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
