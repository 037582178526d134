/** The old import path of the lab's `@pulumi/tls` resources, kept so importers keep working: the code is lab/resources/tls.ts. */
export * from "./resources/tls";
