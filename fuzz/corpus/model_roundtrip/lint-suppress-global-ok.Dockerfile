# hadolint global ignore=DL3000
FROM busybox:1.36
WORKDIR app
WORKDIR other
