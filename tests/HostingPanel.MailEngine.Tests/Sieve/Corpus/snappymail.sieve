require ["fileinto","copy","variables"];

/*
BEGIN:FILTER:9c1f2b7e-4d3a-4b1e-9a55-7f7a1a3f0c11
BEGIN:HEADER
eyJJRCI6IjljMWYyYjdlIiwiRW5hYmxlZCI6dHJ1ZX0=
END:HEADER
*/
if header :contains ["Subject"] ["receipt", "Receipt"]
{
	fileinto "Receipts";
}
/* END:FILTER */

/*
BEGIN:FILTER:1a2b3c4d
*/
if header :matches "List-Id" "*<*.*>"
{
	fileinto :copy "Lists/${2}";
	stop;
}
/* END:FILTER */
