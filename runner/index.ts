/** THE program runner (see runner/program.ts): plan, lab, bench and tests run the program through here. */
export * from "./program";
export * from "./mocks";
export * from "./plan";
export * from "./wire";
