# A stage pragma right above a FROM holds for that stage: the image's CMD is
# the shell form on purpose (SCR020/DL3025), and only in this stage.
FROM debian:12.8 AS build
RUN echo built > /built
# hadolint stage ignore=DL3025
FROM debian:12.8
COPY --from=build /built /built
CMD echo "$(cat /built)"
