// Runs in every test file. Vant measures fixed bars (tab bar, submit bar) once more 100 ms
// after they mount; let that timer run before the file's DOM environment is torn down, or it
// throws "window is not defined" into the run.
import { afterAll } from 'vitest';

afterAll(() => new Promise((resolve) => setTimeout(resolve, 150)));
