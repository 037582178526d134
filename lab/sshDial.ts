/** The old import path of docker-over-ssh dialing, kept so importers keep working: the code is lab/clients/sshDial.ts. */
export * from "./clients/sshDial";
