# escape=`
FROM mcr.microsoft.com/windows/servercore:ltsc2022
SHELL ["powershell", "-Command"]
RUN Write-Host `
    'hello'
WORKDIR C:\app
COPY app C:\app\
CMD ["C:\\app\\app.exe"]
