FROM fedora:40
RUN dnf --assumeyes install gcc-14.1.1 && dnf -qy install make-4.4 && dnf clean all
