/** The KV server recipe shared by the drivers (see server.ts). */
export * from "./server";
