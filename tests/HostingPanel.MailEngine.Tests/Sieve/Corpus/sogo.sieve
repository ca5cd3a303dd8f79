require ["fileinto","reject","vacation","imap4flags","envelope"];
if anyof (address :contains "from" "boss@example.com") {
    addflag "\\Flagged";
    keep;
}
if allof (header :contains "subject" "[project-x]") {
    fileinto "Projects/X";
}
if anyof (header :contains "x-spam-flag" "YES") {
    fileinto "Junk";
}
