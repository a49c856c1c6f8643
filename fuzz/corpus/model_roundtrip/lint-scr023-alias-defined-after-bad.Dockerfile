FROM scratch
COPY --from=build foo /foo
FROM node:20 AS build
RUN true
