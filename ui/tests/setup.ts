// Runs in every test file. Vant measures fixed bars with a safe area (tab bar, submit bar)
// again 100, 200 and 300 ms after they mount; let those timers run before the file's DOM
// environment is torn down, or they throw "window is not defined" into the run.
import { afterAll } from 'vitest';

afterAll(() => new Promise((resolve) => setTimeout(resolve, 350)));
