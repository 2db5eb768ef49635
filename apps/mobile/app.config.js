// Expo config. Everything the background sync needs from the OS is declared here; `npm run
// check:native-config` (CI) runs prebuild into a temporary copy and checks the generated files.
const BACKGROUND_TASK_IDENTIFIER = 'com.expo.modules.backgroundtask.processing';
// processing: the BGProcessingTask expo-background-task schedules — the only background mode the
// app uses (no background fetch, no pushes): App Review 2.5.4 rejects declared-but-unused modes.
const BACKGROUND_MODES = ['processing'];

/** Empty or unset env → the default. */
const env = (name, fallback) => {
  const v = process.env[name];
  return v === undefined || v.trim() === '' ? fallback : v.trim();
};

module.exports = () => ({
  name: 'VHD',
  slug: 'vhd-app',
  scheme: 'vhd',
  version: '1.0.0',
  orientation: 'portrait',
  ios: {
    bundleIdentifier: env('VHD_IOS_BUNDLE_ID', 'com.vhd.app'),
    supportsTablet: true,
    infoPlist: {
      // Exactly these (plugins/withBackgroundModes drops what libraries add); the check asserts it.
      UIBackgroundModes: BACKGROUND_MODES,
      // iOS silently never runs a BGTask whose identifier is not listed here.
      BGTaskSchedulerPermittedIdentifiers: [BACKGROUND_TASK_IDENTIFIER],
      // Dev builds talk to the dev server over plain HTTP on the local network.
      NSAppTransportSecurity: { NSAllowsLocalNetworking: true },
    },
  },
  android: {
    package: env('VHD_ANDROID_PACKAGE', 'com.vhd.app'),
    // WorkManager (expo-background-task) holds a wake lock while the task runs and re-schedules
    // pending work after a reboot.
    permissions: ['WAKE_LOCK', 'RECEIVE_BOOT_COMPLETED', 'CAMERA'],
    // Removed from the merged manifest (tools:node="remove"): no foreground service runs in this
    // app (WorkManager's library manifest would merge those in), no audio is recorded, and the
    // template's overlay and vibration permissions are unused. Store reviews reject
    // declared-but-unused permissions; the check script asserts the exact sets.
    blockedPermissions: [
      'android.permission.FOREGROUND_SERVICE',
      'android.permission.FOREGROUND_SERVICE_DATA_SYNC',
      'android.permission.RECORD_AUDIO',
      'android.permission.SYSTEM_ALERT_WINDOW',
      'android.permission.VIBRATE',
    ],
  },
  plugins: [
    'expo-router',
    'expo-background-task',
    'expo-secure-store',
    [
      'expo-image-picker',
      {
        cameraPermission: 'VHD takes before/after photos of the hoods you clean.',
        photosPermission: 'VHD attaches photos from your library to a job.',
        microphonePermission: false,
      },
    ],
    ['./plugins/withBackgroundModes', BACKGROUND_MODES],
  ],
  extra: {
    /** Our server (apps/server). On a phone use the computer's LAN address and HOST=0.0.0.0. */
    apiUrl: env('VHD_API_URL', 'http://127.0.0.1:3000'),
    /** Only a hint: the endpoint itself comes from the server's token answer. Empty → ask the server. */
    powerSyncUrl: env('VHD_POWERSYNC_URL', ''),
    /** Empty → dev sign-in against the server's POST /dev/session. */
    clerkPublishableKey: env('EXPO_PUBLIC_CLERK_PUBLISHABLE_KEY', ''),
    /** 'on-background' (register when leaving the app) or 'always' (register once after sign-in). */
    backgroundPolicy: env('VHD_BACKGROUND_POLICY', 'on-background'),
  },
});
