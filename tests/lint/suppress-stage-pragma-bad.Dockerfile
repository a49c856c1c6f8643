# hadolint 2.15's stage pragma: it holds from the FROM right below it to the
# next FROM. A blank line between the pragma and the FROM ends it, as an
# inline pragma's does; the FROM line itself is not covered (DL3006 there).
FROM debian:12.8 AS build
EXPOSE 80000
# hadolint stage ignore=DL3011,DL3006  # the test stage exposes what it likes
FROM debian AS test
EXPOSE 80000
EXPOSE 70000
# stagecraft stage ignore=SCR020

FROM debian:12.8
EXPOSE 80000
CMD /bin/true
