FROM scratch
COPY busybox /bin/busybox
RUN /bin/busybox --install
