// The app's entry. The background task must be defined before anything else runs: on a cold
// background launch the OS starts the JS bundle to run the task, and no screen is mounted.
import './services/background/BackgroundSync';
import 'expo-router/entry';
