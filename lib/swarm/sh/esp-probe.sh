#!/bin/sh
# shellcheck disable=SC2154 # a fragment: SA_SRC, SA_DST, SPI, REQID, AEAD, KEY, ICV_BITS and the messages come from the rendered header, run_ip from its definition there
run_ip xfrm state delete src "$SA_SRC" dst "$SA_DST" proto esp spi "$SPI" >/dev/null 2>&1 || true
if said=$(run_ip xfrm state add src "$SA_SRC" dst "$SA_DST" proto esp spi "$SPI" reqid "$REQID" mode transport aead "$AEAD" "$KEY" "$ICV_BITS" 2>&1); then
    run_ip xfrm state delete src "$SA_SRC" dst "$SA_DST" proto esp spi "$SPI" >/dev/null 2>&1 || true
    echo "$OK_MESSAGE" >&2
    exit 0
fi
said=$(printf '%s' "$said" | tr '\n' ' ' | sed 's/ *$//')
case "$said" in
    # ip's answers when the kernel lacks ESP ("Requested type not found."), the algorithm
    # ("Requested AEAD algorithm not found.") or xfrm altogether.
    *'Requested '*' not found'*|*'Protocol not supported'*|*'Function not implemented'*)
        printf '%s%s%s\n' "$MISSING_BEFORE" "$said" "$MISSING_AFTER" >&2 ;;
    *) printf '%s%s\n' "$CANNOT_TELL" "$said" >&2 ;;
esac
exit 1
