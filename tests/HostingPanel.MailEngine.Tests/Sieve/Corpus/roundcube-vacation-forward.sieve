require ["vacation","copy"];
# rule:[Out of office]
if true
{
	vacation :days 7 :addresses "me@example.com" :subject "Re: ${subject}" "Away.";
	redirect :copy "deputy@example.net";
}
