# A pragma inside a FROM's continuation is for no instruction: Docker drops
# the comment line, and hadolint reads it as no pragma. The model keeps the
# comment before the FROM, a blank line after it, so that it silences
# nothing there either: the shell-form CMD below is reported.
FROM debian:12.8 \
# hadolint ignore=DL3025
  AS app
CMD echo hi
