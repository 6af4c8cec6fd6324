import type { TrafficMail } from './dedupe-traffic.generator.js';

/** RFC 2047 encoded word for a header holding non-ASCII text (display names, subjects). */
const word = (s: string): string => (/^[\x20-\x7e]*$/.test(s) ? s : `=?UTF-8?B?${Buffer.from(s, 'utf8').toString('base64')}?=`);

/** `Имя <a@b>` with the display name encoded, as a mail client writes it. */
function address(value: string): string {
  const m = /^(.*)<([^>]+)>$/.exec(value.trim());
  return m ? `${word(m[1].trim())} <${m[2]}>` : value;
}

/** `Thu, 03 Dec 2026 19:27:50 +0300`: Moscow local time, as Russian mail servers stamp it. */
function rfc5322Date(at: number): string {
  const local = new Date(at + 3 * 3_600_000);
  const [day, date, month, year, time] = local.toUTCString().replace(',', '').split(' ');
  return `${day}, ${date} ${month} ${year} ${time} +0300`;
}

/** One message as the mailbox stores it (text/plain, UTF-8, 8bit): what the IMAP connector fetches. */
export function toMime(mail: TrafficMail, at: number): string {
  const headers = [
    `Message-ID: ${mail.messageId}`,
    `Date: ${rfc5322Date(at)}`,
    `From: ${address(mail.from)}`,
    ...(mail.replyTo ? [`Reply-To: ${address(mail.replyTo)}`] : []),
    'To: sales@shop.example',
    `Subject: ${word(mail.subject)}`,
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: 8bit',
  ];
  return `${headers.join('\r\n')}\r\n\r\n${mail.text.replace(/\n/g, '\r\n')}`;
}
