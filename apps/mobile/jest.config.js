// jest-expo (the React Native preset with Expo's native-module mocks). Packages shipped as
// untranspiled ESM/TS are transformed too: PowerSync, p-limit (the engine is workspace source).
const expoPreset = require('jest-expo/jest-preset');

module.exports = {
  preset: 'jest-expo',
  testMatch: ['<rootDir>/**/*.test.ts?(x)'],
  setupFilesAfterEnv: ['<rootDir>/test/setup.ts'],
  // The first render of a suite loads React Native cold; the machine is shared.
  testTimeout: 30_000,
  testPathIgnorePatterns: ['/node_modules/', '/android/', '/ios/', '/dist/'],
  transform: { '\\.mjs$': expoPreset.transform['\\.[jt]sx?$'] },
  transformIgnorePatterns: [
    '/node_modules/(?!(react-native|@react-native|@react-native-community|expo|@expo|@expo-google-fonts|react-navigation|@react-navigation|standard-navigation|@powersync|@op-engineering|p-limit|yocto-queue))',
    '/node_modules/react-native-reanimated/plugin/',
    '/node_modules/@react-native/babel-preset/',
  ],
  moduleNameMapper: {
    // Native code with no Node build: stubs named as such (test/stubs).
    '^@op-engineering/op-sqlite$': '<rootDir>/test/stubs/op-sqlite.ts',
    '^@clerk/clerk-expo(/.*)?$': '<rootDir>/test/stubs/clerk-expo.ts',
  },
};
