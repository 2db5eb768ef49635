// How late a test may see a run stop, a hold release or a download window end, on the wall clock.
// Here they take well under a second on an idle machine (`npm run stops -w @vhd/bench` measures
// it), but a loaded CI machine can delay any timer by seconds. So tests bound them generously, and
// each such test makes the wait it guards against (a request timeout, a budget, a stalled stream)
// far longer than this bound, so that it still fails when the engine waits that out.
export const WALL_CLOCK_SLACK_MS = 8_000;
