FROM debian:bookworm-slim
ADD rootfs.tar.xz /
ADD "file.tgz" /usr/src/
ADD https://example.org/file /usr/src/app/
ADD --checksum=sha256:24454f830cdb571e2c4ad15481119c43b3cafd48dd869a9b2945d1036d1dc68d https://example.org/x.txt /x
