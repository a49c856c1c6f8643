# escape=`
FROM mcr.microsoft.com/windows/nanoserver:ltsc2022
ENV TOOL_HOME="C:\tools" `
    TOOL_NAME="say `"hi`""
WORKDIR C:\tools
CMD ["cmd"]
