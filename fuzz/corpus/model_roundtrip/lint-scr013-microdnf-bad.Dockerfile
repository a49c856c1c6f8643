FROM registry.access.redhat.com/ubi9/ubi-minimal:9.4
RUN microdnf install -y tar-1.34
