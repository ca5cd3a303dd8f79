# HostingPanel: portal, REST API, provisioning worker and mail engine in one image.
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY . .
RUN dotnet publish src/HostingPanel.Web -c Release -o /app

FROM mcr.microsoft.com/dotnet/aspnet:10.0
RUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=build /app .
ENV Storage__DataDirectory=/var/lib/hostingpanel \
    Urls=http://0.0.0.0:80 \
    Mail__BindAddress=0.0.0.0 \
    Mail__Smtp__Port=25 Mail__Submission__Port=587 Mail__Submissions__Port=465 \
    Mail__Imap__Port=143 Mail__Imaps__Port=993 Mail__Pop3__Port=110 Mail__Pop3s__Port=995
VOLUME /var/lib/hostingpanel
EXPOSE 80 25 143 993 110 995 587 465
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s CMD curl -fsS http://127.0.0.1:80/health/ready || exit 1
ENTRYPOINT ["dotnet", "HostingPanel.Web.dll"]
