// Whether this phone lets background sync run at all, as the platform sees it. The office page shows
// it beside each device's runs: a phone with Background App Refresh off, in Low Power Mode or under
// Android battery optimisation runs the task rarely or never, whatever the engine does.

export interface BackgroundCapability {
  /**
   * The OS's word on the background task: `available`; `restricted` (iOS Background App Refresh
   * off, parental controls, or Android restricted background work); `denied`; `unknown`.
   */
  status: 'available' | 'restricted' | 'denied' | 'unknown';
  /** iOS Background App Refresh switch; null when the platform has none or cannot tell. */
  backgroundAppRefresh: boolean | null;
  /** iOS Low Power Mode / Android battery saver. */
  lowPowerMode: boolean | null;
  /** Android battery optimisation applies to the app (Doze, app standby). */
  batteryOptimization: boolean | null;
  /** The app's scheduling policy: `on-background` (register when backgrounded) or `always`. */
  policy: string | null;
}

/** This device as the platform describes it, for the sync health report. */
export interface DevicePort {
  platform: 'ios' | 'android' | 'web' | 'other';
  /** A human name (model, or the user's device name); shown on the office page. */
  name?: string;
  appVersion?: string;
  backgroundCapability(): Promise<BackgroundCapability>;
}
