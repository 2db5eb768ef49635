// Config plugin: Info.plist UIBackgroundModes is exactly the modes the app uses. expo-task-manager
// is applied by prebuild as a legacy plugin and adds `fetch` (for expo-background-fetch, which this
// app does not use); App Review 2.5.4 rejects declared-but-unused modes. Listed last in app.config.js
// so its Info.plist step runs after the libraries' ones.
const { withInfoPlist } = require('expo/config-plugins');

module.exports = function withBackgroundModes(config, modes) {
  return withInfoPlist(config, (c) => {
    c.modResults.UIBackgroundModes = [...modes];
    return c;
  });
};
