using System.Net;
using System.Text.RegularExpressions;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;

namespace HostingPanel.MailEngine.Storage.Blobs;

/// <summary>
/// Message bodies as objects in an S3 bucket (AWSSDK.S3), keyed by the body's relative path
/// (<c>ab/abcdef….eml</c>), the same name the file store uses, so the engine's tables do not change.
/// A PUT that returned is stored by the service (radosgw answers after the OSDs committed), so a body
/// is durable before its row commits and before the client's 250/OK. An object missing on read is a
/// <see cref="FileNotFoundException"/>, as a missing file is, so callers treat both alike.
/// </summary>
/// <remarks>
/// The engine's readers are synchronous (bodies used to be files in the page cache); here they wait on
/// the SDK's asynchronous calls, which blocks a thread-pool thread for a request's round trip (about
/// 1-3 ms on a LAN). The hot paths (IMAP FETCH of a whole body, POP3 RETR) call the asynchronous forms.
/// </remarks>
internal sealed partial class S3BodyObjects : IDisposable
{
    private readonly AmazonS3Client _client;
    private readonly string _bucket;

    public S3BodyObjects(S3BlobOptions options)
    {
        var config = new AmazonS3Config
        {
            ServiceURL = options.ServiceUrl,
            ForcePathStyle = options.PathStyle,
            AuthenticationRegion = options.Region,
            // Note: radosgw 16 refuses the SDK's default request checksums (PutObject fails); S3 itself needs none.
            RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
            Timeout = TimeSpan.FromSeconds(30),
        };
        _client = new AmazonS3Client(new BasicAWSCredentials(options.AccessKey, options.SecretKey), config);
        _bucket = options.Bucket;
    }

    /// <summary>Stores the finished file at <paramref name="filePath"/> as <paramref name="key"/>; durable when it returns.</summary>
    public async Task PutAsync(string key, string filePath, CancellationToken ct)
    {
        await using var file = new FileStream(filePath, FileMode.Open, FileAccess.Read, FileShare.Read, 64 * 1024, FileOptions.Asynchronous | FileOptions.SequentialScan);
        await _client.PutObjectAsync(new PutObjectRequest
        {
            BucketName = _bucket,
            Key = key,
            InputStream = file,
            AutoCloseStream = false,
            // A plain signed PUT with a Content-Length: every S3 implementation takes it (aws-chunked is not universal).
            UseChunkEncoding = false,
            ContentType = "message/rfc822",
        }, ct);
    }

    /// <summary>A stream over the object, read from the network as it is consumed.</summary>
    public async Task<Stream> OpenAsync(string key, CancellationToken ct)
    {
        var response = await GetAsync(new GetObjectRequest { BucketName = _bucket, Key = key }, ct);
        return response.ResponseStream;
    }

    public Stream Open(string key) => Wait(OpenAsync(key, CancellationToken.None));

    public async Task<byte[]> ReadAllAsync(string key, CancellationToken ct)
    {
        using var response = await GetAsync(new GetObjectRequest { BucketName = _bucket, Key = key }, ct);
        var buffer = new MemoryStream(response.ContentLength > 0 ? (int)Math.Min(response.ContentLength, int.MaxValue) : 0);
        await response.ResponseStream.CopyToAsync(buffer, ct);
        return buffer.ToArray();
    }

    public byte[] ReadAll(string key) => Wait(ReadAllAsync(key, CancellationToken.None));

    /// <summary>The first <paramref name="length"/> bytes (a ranged GET); fewer only if the object is shorter.</summary>
    public byte[] ReadHead(string key, int length) => Wait(ReadHeadAsync(key, length));

    private async Task<byte[]> ReadHeadAsync(string key, int length)
    {
        if (length <= 0)
            return [];
        using var response = await GetAsync(new GetObjectRequest { BucketName = _bucket, Key = key, ByteRange = new ByteRange(0, length - 1) }, CancellationToken.None);
        var buffer = new byte[length];
        var total = await response.ResponseStream.ReadAtLeastAsync(buffer, length, throwOnEndOfStream: false);
        return total == length ? buffer : buffer[..total];
    }

    /// <summary>Copies the object into a new local file (POP3 RETR sends from a file handle).</summary>
    public async Task DownloadAsync(string key, string filePath, CancellationToken ct)
    {
        using var response = await GetAsync(new GetObjectRequest { BucketName = _bucket, Key = key }, ct);
        await using var file = new FileStream(filePath, FileMode.CreateNew, FileAccess.Write, FileShare.None, 64 * 1024, FileOptions.Asynchronous);
        await response.ResponseStream.CopyToAsync(file, ct);
    }

    /// <summary>Removes the object; a missing one is no error (S3's DELETE is idempotent).</summary>
    public void Delete(string key) => Wait(_client.DeleteObjectAsync(_bucket, key));

    /// <summary>Health: a small object written and removed, as a delivery would.</summary>
    public async Task ProbeWritableAsync(CancellationToken ct)
    {
        var key = "health/" + Guid.NewGuid().ToString("N");
        await _client.PutObjectAsync(new PutObjectRequest { BucketName = _bucket, Key = key, ContentBody = "ok\r\n", UseChunkEncoding = false }, ct);
        await _client.DeleteObjectAsync(_bucket, key, ct);
    }

    /// <summary>
    /// Deletes body objects no message row references and older than <paramref name="minAge"/> (a delivery in
    /// flight writes its object before its row). Only keys of the body form are touched, so a bucket shared
    /// with anything else loses nothing else.
    /// </summary>
    public async Task<int> SweepOrphansAsync(IReadOnlySet<string> referenced, TimeSpan minAge, CancellationToken ct)
    {
        var cutoff = DateTime.UtcNow - minAge;
        var removed = 0;
        var request = new ListObjectsV2Request { BucketName = _bucket, MaxKeys = 1000 };
        while (true)
        {
            var page = await _client.ListObjectsV2Async(request, ct);
            foreach (var item in page.S3Objects ?? [])
            {
                if (!BodyKey().IsMatch(item.Key) || referenced.Contains(item.Key))
                    continue;
                if (item.LastModified is { } modified && modified.ToUniversalTime() > cutoff)
                    continue;
                await _client.DeleteObjectAsync(_bucket, item.Key, ct);
                removed++;
            }
            if (page.IsTruncated != true || string.IsNullOrEmpty(page.NextContinuationToken))
                return removed;
            request.ContinuationToken = page.NextContinuationToken;
        }
    }

    [GeneratedRegex("^[0-9a-f]{2}/[0-9a-f]{32}\\.eml$")]
    private static partial Regex BodyKey();

    private async Task<GetObjectResponse> GetAsync(GetObjectRequest request, CancellationToken ct)
    {
        try
        {
            return await _client.GetObjectAsync(request, ct);
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound)
        {
            throw new FileNotFoundException($"no object {request.Key} in bucket {_bucket}", request.Key, e);
        }
    }

    /// <summary>Waits for an SDK call from a synchronous caller (see the remarks above).</summary>
    private static T Wait<T>(Task<T> task) => task.ConfigureAwait(false).GetAwaiter().GetResult();

    private static void Wait(Task task) => task.ConfigureAwait(false).GetAwaiter().GetResult();

    public void Dispose() => _client.Dispose();
}
