namespace HostingPanel.MailEngine.Storage.Blobs;

/// <summary>A setting of <c>Storage:Blobs:*</c> that cannot work; the message names the key to fix.</summary>
public sealed class BlobStorageConfigurationException(string message) : Exception(message);

/// <summary>
/// <c>Storage:Blobs:*</c>: where message bodies live. <c>File</c> (the default): immutable files under
/// <c>{DataDirectory}/store/</c>. <c>S3</c>: objects in an S3-compatible bucket (Ceph's radosgw, MinIO,
/// AWS), so that several mail nodes on one PostgreSQL share them.
/// </summary>
public sealed class BlobStorageOptions
{
    public const string SectionName = "Storage:Blobs";

    /// <summary><c>File</c> or <c>S3</c>.</summary>
    public string Provider { get; set; } = "File";

    public S3BlobOptions S3 { get; set; } = new();

    /// <summary>True for S3; false for File.</summary>
    /// <exception cref="BlobStorageConfigurationException">Another provider, or S3 without its settings.</exception>
    internal bool UsesS3()
    {
        if (Provider.Equals("File", StringComparison.OrdinalIgnoreCase))
            return false;
        if (!Provider.Equals("S3", StringComparison.OrdinalIgnoreCase))
            throw new BlobStorageConfigurationException($"Storage:Blobs:Provider is '{Provider}'; it must be File or S3.");
        foreach (var (key, value) in new[] { ("ServiceUrl", S3.ServiceUrl), ("Bucket", S3.Bucket), ("AccessKey", S3.AccessKey), ("SecretKey", S3.SecretKey) })
            if (string.IsNullOrWhiteSpace(value))
                throw new BlobStorageConfigurationException($"Storage:Blobs:S3:{key} is required when Storage:Blobs:Provider is S3.");
        if (!Uri.TryCreate(S3.ServiceUrl, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https"))
            throw new BlobStorageConfigurationException($"Storage:Blobs:S3:ServiceUrl '{S3.ServiceUrl}' is not an http(s) URL like https://s3.example.net.");
        return true;
    }
}

/// <summary><c>Storage:Blobs:S3:*</c>.</summary>
public sealed class S3BlobOptions
{
    /// <summary>The end point, e.g. <c>http://10.0.0.20:7480</c> for radosgw.</summary>
    public string ServiceUrl { get; set; } = "";

    public string Bucket { get; set; } = "";
    public string AccessKey { get; set; } = "";
    public string SecretKey { get; set; } = "";

    /// <summary>The region signatures are made for; radosgw and MinIO accept any, AWS needs the bucket's.</summary>
    public string Region { get; set; } = "us-east-1";

    /// <summary>Path-style addressing (<c>host/bucket/key</c>), which radosgw and MinIO need without wildcard DNS.</summary>
    public bool PathStyle { get; set; } = true;
}
