// A cold background launch runs only the entry file: the task must be defined by the time
// expo-router starts (and without any screen mounted).
const order: string[] = [];

jest.mock('expo-router/entry', () => {
  const TaskManager = jest.requireActual('expo-task-manager');
  order.push(`router (task defined: ${TaskManager.isTaskDefined('vhd-background-sync')})`);
  return {};
});

test('importing the entry defines the background task before expo-router starts', () => {
  const TaskManager = require('expo-task-manager');
  expect(TaskManager.isTaskDefined('vhd-background-sync')).toBe(false);
  require('../index');
  expect(order).toEqual(['router (task defined: true)']);
  expect(TaskManager.isTaskDefined('vhd-background-sync')).toBe(true);
});
