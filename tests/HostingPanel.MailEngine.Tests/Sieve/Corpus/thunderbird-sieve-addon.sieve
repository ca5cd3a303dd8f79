# Written with the Thunderbird "Sieve" add-on's editor (a Thunderbird filter moved to the server by hand).
require ["fileinto", "mailbox", "envelope", "subaddress"];

# Thunderbird filter "Mailing list: dev" (match any of: To contains dev@lists.example, Cc contains dev@lists.example)
if anyof (address :contains ["To", "Cc"] "dev@lists.example",
          header :contains "List-Id" "<dev.lists.example>") {
  fileinto :create "Lists/dev";
  stop;
}

# Thunderbird filter "Tagged": mail sent to me+tag lands in its folder.
if envelope :detail "to" "shop" {
  fileinto :create "Shopping";
}
