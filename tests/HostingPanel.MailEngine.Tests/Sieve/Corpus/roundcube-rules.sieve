require ["fileinto","copy","imap4flags","body","envelope","relational","comparator-i;ascii-numeric"];
# rule:[Newsletters]
if anyof (header :contains "list-id" "newsletter", address :is :domain "from" "news.example.org")
{
	fileinto "Newsletters";
	stop;
}
# rule:[Invoices to the accountant]
if allof (header :contains "subject" "invoice", not header :contains "subject" "reminder")
{
	redirect :copy "accountant@books.example";
	fileinto :copy "Invoices";
	addflag "\\Flagged";
}
# rule:[Big attachments]
if size :over 5M
{
	fileinto "Large";
}
# rule:[Spam]
if header :value "ge" :comparator "i;ascii-numeric" "x-spam-score" "5"
{
	fileinto "Junk";
	stop;
}
# rule:[Boss]
if envelope :localpart :is "from" "boss"
{
	setflag "\\Flagged";
	keep;
}
# rule:[Discard unsubscribe confirmations]
if body :text :contains "you have been unsubscribed"
{
	discard;
	stop;
}
