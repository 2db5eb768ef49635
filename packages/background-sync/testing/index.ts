// The engine's test kit, for its own tests and other packages' (the bench's stop figures): a Node
// database on a temp file, the engine with test-sized settings, the real server behind a fault proxy.

export {
  type Fault,
  type FaultProxy,
  type FaultRule,
  type RecordedRequest,
  startFaultProxy,
} from './faultProxy';
export {
  newTestUser,
  type ServerFixture,
  serverRows,
  startServerFixture,
  type TestUser,
} from './serverFixture';
export { openTestDatabase, type TestDatabase } from './testDatabase';
export {
  createTestEngine,
  FAST_CONNECT,
  TEST_SETTINGS,
  TestAuth,
  type TestEngine,
  testLogger,
} from './testEngine';
