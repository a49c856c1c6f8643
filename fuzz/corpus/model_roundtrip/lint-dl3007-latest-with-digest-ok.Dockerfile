# A digest pins `latest`; a versioned tag is fine.
FROM ubuntu:latest@sha256:0123456789012345678901234567890123456789012345678901234567890123
COPY --from=busybox:1.36 /bin/busybox /busybox
