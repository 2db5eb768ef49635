#!/usr/bin/env bash
# CI checks of the Expo app (its jest suites run with the root `npm test`):
# 1. type-check; 2. Metro/Hermes bundles for Android and iOS, offline — the engine must bundle for
# React Native with no Node-only import; 3. the native config `expo prebuild` generates.
# Prints each step's duration.
set -euo pipefail
cd "$(dirname "$0")/.."
export CI=1 EXPO_NO_TELEMETRY=1 EXPO_OFFLINE=1 EXPO_NO_NEW_ARCH_COMPAT_CHECK=1

out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT

step() {
  local name="$1"
  shift
  local start=$SECONDS
  echo "== mobile: $name"
  "$@"
  echo "== mobile: $name ok ($((SECONDS - start)) s)"
}

step "tsc --noEmit" npx tsc --noEmit -p tsconfig.json
for platform in android ios; do
  step "expo export --platform $platform" \
    npx expo export --platform "$platform" --output-dir "$out/$platform"
done
step "native config (prebuild into a temporary copy)" node scripts/check-native-config.js
