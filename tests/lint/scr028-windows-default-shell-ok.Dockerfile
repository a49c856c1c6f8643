# escape=`
# dotnet-docker's IIS sample: no SHELL, so a Windows image runs each RUN with
# `cmd /S /C`; the text is PowerShell for cmd to start, not sh.
FROM mcr.microsoft.com/dotnet/aspnet:10.0-windowsservercore-ltsc2022
RUN powershell -Command `
        $ErrorActionPreference = 'Stop'; `
        Add-WindowsFeature Web-Server; `
        Remove-Item -Recurse C:\inetpub\wwwroot\*; `
        Invoke-WebRequest -OutFile C:\ServiceMonitor.exe -Uri https://example.com/ServiceMonitor.exe
FROM mcr.microsoft.com/windows/nanoserver:ltsc2022 AS later
RUN if exist C:\app (echo present) else (echo missing)
