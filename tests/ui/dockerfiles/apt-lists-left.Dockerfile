# A fixture for include_dockerfile!: the runtime stage ships, and its
# install leaves the apt lists in the layer.
FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates
USER 65532:65532
ENTRYPOINT ["/bin/true"]
