/**
 * Files into a container the way the docker provider puts a container's
 * `uploads` there: one tar archive extracted at `/`.
 */

/** A file to put into a container: absolute path, content, mode. */
export interface ContainerFile {
    path: string;
    content: Buffer;
    mode: number;
}

/**
 * A tar archive (ustar) of `files`, their paths relative to `/`, as the
 * provider uploads them (extracted at `/`, so missing directories are made).
 */
export function tarOf(files: readonly ContainerFile[]): Buffer {
    const blocks: Buffer[] = [];
    const field = (h: Buffer, offset: number, length: number, text: string) => h.write(text, offset, length, "utf8");
    const octal = (n: number, width: number) => n.toString(8).padStart(width - 1, "0");
    for (const f of files) {
        const name = f.path.replace(/^\/+/, "");
        if (Buffer.byteLength(name) > 100) {
            throw new Error(`upload path ${f.path} is longer than 100 bytes`);
        }
        const h = Buffer.alloc(512);
        field(h, 0, 100, name);
        field(h, 100, 8, octal(f.mode, 8));
        field(h, 108, 8, octal(0, 8));
        field(h, 116, 8, octal(0, 8));
        field(h, 124, 12, octal(f.content.length, 12));
        field(h, 136, 12, octal(Math.floor(Date.now() / 1000), 12));
        field(h, 148, 8, "        ");
        field(h, 156, 1, "0");
        field(h, 257, 6, "ustar\0");
        field(h, 263, 2, "00");
        let sum = 0;
        for (const b of h) {
            sum += b;
        }
        field(h, 148, 8, `${octal(sum, 7)}\0`);
        blocks.push(h, f.content, Buffer.alloc((512 - (f.content.length % 512)) % 512));
    }
    blocks.push(Buffer.alloc(1024));
    return Buffer.concat(blocks);
}
