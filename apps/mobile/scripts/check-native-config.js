#!/usr/bin/env node
// CI check of the native configuration: runs `expo prebuild --no-install` on a temporary copy of
// the app (the generated android/ and ios/ folders are never committed, nor made in the work
// tree) and checks that the OS will actually run the background task:
// - Info.plist: UIBackgroundModes is exactly [processing] (App Review 2.5.4 rejects unused modes)
//   and BGTaskSchedulerPermittedIdentifiers exactly expo-background-task's identifier (else iOS
//   silently never runs the task);
// - AndroidManifest.xml: exactly the permissions the app uses, and exactly the blocked ones
//   (tools:node="remove", so library manifests such as WorkManager's cannot add them);
// - both bundle ids.
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const appDir = path.resolve(__dirname, '..');
const repoRoot = path.resolve(appDir, '../..');
const IDENTIFIER = 'com.expo.modules.backgroundtask.processing';
const BACKGROUND_MODES = ['processing'];
/** WorkManager: wake lock while the task runs, re-scheduling after a reboot; the camera; the
 * network; image picker storage access on Android ≤ 12 (maxSdkVersion 32). */
const ANDROID_PERMISSIONS = [
  'CAMERA',
  'INTERNET',
  'READ_EXTERNAL_STORAGE',
  'RECEIVE_BOOT_COMPLETED',
  'WAKE_LOCK',
  'WRITE_EXTERNAL_STORAGE',
];
/** No foreground service, no audio, no overlay, no vibration. */
const ANDROID_BLOCKED = [
  'FOREGROUND_SERVICE',
  'FOREGROUND_SERVICE_DATA_SYNC',
  'RECORD_AUDIO',
  'SYSTEM_ALERT_WINDOW',
  'VIBRATE',
];
const COPY_SKIP = new Set(['node_modules', 'android', 'ios', 'dist', '.expo', 'coverage']);

function copyApp(to) {
  fs.cpSync(appDir, to, {
    recursive: true,
    filter: (src) => !COPY_SKIP.has(path.relative(appDir, src).split(path.sep)[0]),
  });
  // Config plugins resolve from the project: let the copy see the monorepo's packages.
  fs.symlinkSync(path.join(repoRoot, 'node_modules'), path.join(to, 'node_modules'), 'dir');
}

/** The <string> items of a top-level array key in an XML plist. */
function plistArray(xml, key) {
  const m = new RegExp(`<key>${key}</key>\\s*<array>([\\s\\S]*?)</array>`).exec(xml);
  if (!m) return [];
  return [...m[1].matchAll(/<string>([^<]*)<\/string>/g)].map((s) => s[1]);
}

function sameSet(actual, wanted) {
  return actual.length === wanted.length && wanted.every((w) => actual.includes(w));
}

function findFile(dir, name) {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory() && !['Pods', 'build'].includes(entry.name)) {
      const found = findFile(p, name);
      if (found) return found;
    } else if (entry.name === name) return p;
  }
  return null;
}

function main() {
  const started = Date.now();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vhd-prebuild-'));
  const problems = [];
  const expect = (ok, what) => {
    if (!ok) problems.push(what);
  };
  try {
    const copy = path.join(tmp, 'mobile');
    copyApp(copy);
    const expoCli = path.join(repoRoot, 'node_modules/expo/bin/cli');
    const r = spawnSync(process.execPath, [expoCli, 'prebuild', '--no-install', '--platform', 'all'], {
      cwd: copy,
      stdio: 'inherit',
      env: { ...process.env, CI: '1', EXPO_OFFLINE: '1', EXPO_NO_TELEMETRY: '1' },
    });
    if (r.status !== 0) throw new Error(`expo prebuild exited with ${r.status ?? r.signal}`);

    const plistPath = findFile(path.join(copy, 'ios'), 'Info.plist');
    if (!plistPath) throw new Error('prebuild made no ios/*/Info.plist');
    const plist = fs.readFileSync(plistPath, 'utf8');
    const modes = plistArray(plist, 'UIBackgroundModes');
    expect(
      sameSet(modes, BACKGROUND_MODES),
      `Info.plist UIBackgroundModes is [${modes.join(', ')}], expected exactly [${BACKGROUND_MODES.join(', ')}]`,
    );
    const ids = plistArray(plist, 'BGTaskSchedulerPermittedIdentifiers');
    expect(
      sameSet(ids, [IDENTIFIER]),
      `Info.plist BGTaskSchedulerPermittedIdentifiers is [${ids.join(', ')}], expected exactly [${IDENTIFIER}]`,
    );

    const pbxproj = findFile(path.join(copy, 'ios'), 'project.pbxproj');
    expect(
      pbxproj && /PRODUCT_BUNDLE_IDENTIFIER = "?com\.vhd\.app"?;/.test(fs.readFileSync(pbxproj, 'utf8')),
      'iOS bundle identifier is not com.vhd.app',
    );

    const manifestPath = path.join(copy, 'android/app/src/main/AndroidManifest.xml');
    const manifest = fs.readFileSync(manifestPath, 'utf8');
    const entries = [
      ...manifest.matchAll(/<uses-permission android:name="android\.permission\.(\w+)"([^>]*)>/g),
    ];
    const declared = entries.filter((m) => !/tools:node="remove"/.test(m[2])).map((m) => m[1]);
    const blocked = entries.filter((m) => /tools:node="remove"/.test(m[2])).map((m) => m[1]);
    expect(
      sameSet(declared, ANDROID_PERMISSIONS),
      `AndroidManifest declares [${declared.join(', ')}], expected exactly [${ANDROID_PERMISSIONS.join(', ')}]`,
    );
    expect(
      sameSet(blocked, ANDROID_BLOCKED),
      `AndroidManifest blocks [${blocked.join(', ')}], expected exactly [${ANDROID_BLOCKED.join(', ')}]`,
    );
    const gradle = fs.readFileSync(path.join(copy, 'android/app/build.gradle'), 'utf8');
    expect(/applicationId ['"]com\.vhd\.app['"]/.test(gradle), 'Android applicationId is not com.vhd.app');
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  for (const dir of ['android', 'ios']) {
    expect(!fs.existsSync(path.join(appDir, dir)), `apps/mobile/${dir} exists in the work tree`);
  }
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  if (problems.length > 0) {
    console.error(`native config check FAILED (${seconds} s):\n- ${problems.join('\n- ')}`);
    process.exit(1);
  }
  console.log(
    `native config check passed (${seconds} s): Info.plist modes [${BACKGROUND_MODES.join(', ')}] + BGTask identifier, ` +
      `Android permissions [${ANDROID_PERMISSIONS.join(', ')}], blocked [${ANDROID_BLOCKED.join(', ')}]`,
  );
}

main();
