// SPDX-License-Identifier: MIT
/* output.h: the one way hbnnc writes an output file (-o, --emit, backends). A new path
 * or a regular file is written to a temporary file in the same directory
 * (.hbnnc.tmp.XXXXXX) and renamed over it only when everything succeeded, with the mode
 * the umask gives; through a symlink, the file it points to is replaced and the link
 * stays; a character or block device or a FIFO is opened and written directly, a UNIX
 * socket is connected to and written, and none of them is ever renamed over. Every write, flush and
 * close error is reported ("hbnnc: PATH: error: ...") and fails the output. */
#ifndef HB_OUTPUT_H
#define HB_OUTPUT_H

#include <stdbool.h>
#include <stdio.h>

#include "cx.h"

typedef struct HbOut {
    FILE *f;           // write here (NULL once closed)
    const char *path;  // the path the data goes to now: the temporary file, or the target
    const char *final; // where it ends up (a symlink resolved)
    bool direct;       // a device, FIFO or socket: written in place
    bool executable;   // mode 0777 & ~umask instead of 0666 & ~umask
} HbOut;

/* Start writing `path`. Reports and returns false if it cannot be opened (or is a
 * directory). With a tool that writes the file itself (a linker), close o->f with
 * hb_out_close_stream() and let the tool write o->path. */
bool hb_out_begin(HbCx *cx, HbOut *o, const char *path, bool executable);
/* Close the stream, reporting a write/flush/close error. False on error. */
bool hb_out_close_stream(HbCx *cx, HbOut *o);
/* Finish: when ok, close (checked), set the mode and rename into place; when !ok (or on
 * an error here), remove the temporary file so nothing partial or stale is left.
 * Returns true only if the output is complete and in place. */
bool hb_out_end(HbCx *cx, HbOut *o, bool ok);

/* Flush and check a stream hbnnc wrote to but does not own (stdout): a write error such
 * as a full disk is reported as an error about `name`. */
bool hb_out_check_stream(HbCx *cx, FILE *f, const char *name);

#endif
