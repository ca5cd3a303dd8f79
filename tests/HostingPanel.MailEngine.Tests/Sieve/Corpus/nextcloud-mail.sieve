### Nextcloud Mail: Filters ### DON'T EDIT ###
require ["fileinto", "imap4flags"];
# FILTER: [{"name":"Accounting","enable":true,"operator":"anyof","tests":[{"operator":"is","values":["ar@vendor.example"],"field":"from"}],"actions":[{"type":"fileinto","mailbox":"Accounting"}],"priority":10}]
# Accounting
if anyof (address :is :all "From" ["ar@vendor.example"]) {
fileinto "Accounting";
addflag "$label1";
}
### Nextcloud Mail: Filters ### END ###
