FROM fedora:40
RUN dnf install gcc-14.1.1 && dnf clean all
