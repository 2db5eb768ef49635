// Test stub of @clerk/clerk-expo: the real SDK needs Clerk's servers, and importing it leaves a
// MessagePort open under jest. The app's tests run in dev-auth mode and never call Clerk.
function notAvailable(): never {
  throw new Error('@clerk/clerk-expo is stubbed under jest');
}
export const getClerkInstance = notAvailable;
export const tokenCache = undefined;
export const ClerkProvider = ({ children }: { children: unknown }) => children;
export const useSignIn = notAvailable;
export const useAuth = notAvailable;
/** Stands for @clerk/clerk-expo/resource-cache's store factory (the stub maps every subpath here). */
export const resourceCache = () => ({ get: async () => null, set: async () => {} });
